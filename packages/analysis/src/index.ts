// Curve fits
export { fitPowerLaw, powerLawValue, powerLawInverse, rescalePowerLawX, DEFAULT_POWER_LAW_BOUNDS } from "./fit/powerLaw.js";
export type { PowerLawOptions } from "./fit/powerLaw.js";
export { fitLogLinear, logLinearValue, logLinearInverse } from "./fit/logLinear.js";
export { curveValue, curveInverse } from "./fit/curve.js";
export { saturationCoverage } from "./fit/diagnostics.js";
export { bootstrapFit } from "./fit/bootstrap.js";
export type { BootstrapOptions, BootstrapResult, BootstrapScheme, BandPoint, InverseInterval, ParameterInterval } from "./fit/bootstrap.js";
export type {
  CurveFit,
  CurveInverse,
  FitLoss,
  FitWarning,
  FitWarningCode,
  LogLinearFit,
  LogLinearParams,
  PowerLawBounds,
  PowerLawFit,
  PowerLawParams,
} from "./fit/types.js";
export { createLmSolver } from "./fit/levenbergMarquardt.js";
export type { LeastSquaresProblem, LmSettings, LmOutcome } from "./fit/levenbergMarquardt.js";

// Cost
export { trajectoryCost, roundBreakdownLikeTable, datasetCostUsd } from "./cost/trajectoryCost.js";
export type { TokenPrices, TokenProfile, TrajectoryCostInput, TrajectoryCostBreakdown } from "./cost/trajectoryCost.js";
export { costLedgerRowSchema, parseCostLedger, summarizeLedgerByRun, summarizeLedgerByExperiment } from "./cost/ledger.js";
export type { CostLedgerRow, CostSummary, RunCostSummary, ExperimentCostSummary } from "./cost/ledger.js";
export { costAtEqualPerformance } from "./cost/equalPerformance.js";
export type { CostBaseline, EqualPerformanceInput, EqualPerformanceResult } from "./cost/equalPerformance.js";

// Statistics
export { summarize, summarizeConditions, mean, sampleSd, pooledSd, median } from "./stats/descriptive.js";
export type { SampleSummary, ConditionSummary } from "./stats/descriptive.js";
export { signalToNoise, snrVerdict, withinNoise, assessNoise } from "./stats/noise.js";
export type { SnrVerdict, NoiseAssessment } from "./stats/noise.js";
export { welchTTest, welchTTestFromSummaries, studentTTest, studentTTestFromSummaries } from "./stats/tTest.js";
export type { GroupSummary, TTestResult } from "./stats/tTest.js";
export { oneWayAnova, oneWayAnovaFromSummaries } from "./stats/anova.js";
export type { AnovaResult } from "./stats/anova.js";
export { kruskalWallis } from "./stats/kruskalWallis.js";
export type { KruskalWallisResult } from "./stats/kruskalWallis.js";
export { pairInstanceOutcomes, pairedClusterBootstrap } from "./stats/clusteredBootstrap.js";
export type { InstanceOutcome, PairedInstance, ClusteredBootstrapResult } from "./stats/clusteredBootstrap.js";
export { planSeeds, paperSeedRule, detectableEffect, PAPER_SEED_TABLE } from "./stats/seedPlanner.js";
export type { SeedPlan, SeedPlanOptions } from "./stats/seedPlanner.js";
export { percentileInterval } from "./stats/percentile.js";

// Special functions and randomness
export { regularizedIncompleteBeta } from "./special/betaFunction.js";
export { logGamma, regularizedGammaP, regularizedGammaQ } from "./special/gammaFunctions.js";
export { normalCdf, normalQuantile, studentTTwoSidedP, fSurvival, chiSquareSurvival } from "./special/distributions.js";
export { createSeededRandom } from "./random/seededRandom.js";
export type { RandomSeed, SeededRandom } from "./random/seededRandom.js";

// The paper's published inputs
export * from "./paper/costFixtures.js";
export * from "./paper/scalingPoints.js";

// Charts (Vega-Lite specs, rendered offline to SVG and PNG)
export { scalingChartSpec } from "./charts/scalingChart.js";
export { costChartSpec } from "./charts/costChart.js";
export { sensitivityChartSpec } from "./charts/sensitivityChart.js";
export { ablationChartSpec, significanceMark } from "./charts/ablationChart.js";
export { repositoryChartSpec } from "./charts/repositoryChart.js";
export { renderChart, svgToPng, compileVegaLite, chartFontFile } from "./charts/render.js";
export type { RenderedChart } from "./charts/render.js";
export type { VegaLiteSpec } from "./charts/theme.js";

// Reports (sera report)
export { buildReport, NoRunsError } from "./report/build.js";
export type { BuildReportOptions, BuiltReport } from "./report/build.js";
export { buildReportModel } from "./report/model.js";
export type { ReportModel } from "./report/model.js";
export { planReportQueries } from "./report/queries.js";
export type { ReportQuery } from "./report/queries.js";
export type { FitSection } from "./report/fitSection.js";
export type { CompareSection, Contrast } from "./report/compareSection.js";
export type { InstanceSection } from "./report/instanceSection.js";
export type { SeedSection } from "./report/seedSection.js";
export { impliedPowerLaw } from "./report/impliedCurve.js";
export type { ImpliedCurve } from "./report/impliedCurve.js";

// The paper replayed as runs (registers the paper-table stage)
export { paperTableStage } from "./paper/stage.js";
export { publishedRun, paperCostLines, paperTableParamsSchema, PAPER_TRUNCATION_RATIO_SEEDS } from "./paper/publishedRuns.js";
export type { PaperTableParams, PublishedRun } from "./paper/publishedRuns.js";
export { reproduceTable15, checkTable11Costs, PAPER_TABLE15_PRINTED } from "./paper/reproductionTables.js";
export { writeSyntheticSweep } from "./report/syntheticSweep.js";
export type { SyntheticSweep, SyntheticSweepOptions } from "./report/syntheticSweep.js";
