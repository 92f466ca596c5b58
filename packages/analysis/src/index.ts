// Curve fits
export { fitPowerLaw, powerLawValue, powerLawInverse, rescalePowerLawX, DEFAULT_POWER_LAW_BOUNDS } from "./fit/power-law.js";
export type { PowerLawOptions } from "./fit/power-law.js";
export { fitLogLinear, logLinearValue, logLinearInverse } from "./fit/log-linear.js";
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
export { createLmSolver } from "./fit/levenberg-marquardt.js";
export type { LeastSquaresProblem, LmSettings, LmOutcome } from "./fit/levenberg-marquardt.js";

// Cost
export { trajectoryCost, roundBreakdownLikeTable, datasetCostUsd } from "./cost/trajectory-cost.js";
export type { TokenPrices, TokenProfile, TrajectoryCostInput, TrajectoryCostBreakdown } from "./cost/trajectory-cost.js";
export { costLedgerRowSchema, parseCostLedger, summarizeLedgerByRun, summarizeLedgerByExperiment } from "./cost/ledger.js";
export type { CostLedgerRow, CostSummary, RunCostSummary, ExperimentCostSummary } from "./cost/ledger.js";
export { costAtEqualPerformance } from "./cost/equal-performance.js";
export type { CostBaseline, EqualPerformanceInput, EqualPerformanceResult } from "./cost/equal-performance.js";

// Statistics
export { summarize, summarizeConditions, mean, sampleSd, pooledSd, median } from "./stats/descriptive.js";
export type { SampleSummary, ConditionSummary } from "./stats/descriptive.js";
export { signalToNoise, snrVerdict, withinNoise, assessNoise } from "./stats/noise.js";
export type { SnrVerdict, NoiseAssessment } from "./stats/noise.js";
export { welchTTest, welchTTestFromSummaries, studentTTest, studentTTestFromSummaries } from "./stats/t-test.js";
export type { GroupSummary, TTestResult } from "./stats/t-test.js";
export { oneWayAnova, oneWayAnovaFromSummaries } from "./stats/anova.js";
export type { AnovaResult } from "./stats/anova.js";
export { kruskalWallis } from "./stats/kruskal-wallis.js";
export type { KruskalWallisResult } from "./stats/kruskal-wallis.js";
export { pairInstanceOutcomes, pairedClusterBootstrap } from "./stats/clustered-bootstrap.js";
export type { InstanceOutcome, PairedInstance, ClusteredBootstrapResult } from "./stats/clustered-bootstrap.js";
export { planSeeds, paperSeedRule, detectableEffect, PAPER_SEED_TABLE } from "./stats/seed-planner.js";
export type { SeedPlan, SeedPlanOptions } from "./stats/seed-planner.js";
export { percentileInterval } from "./stats/percentile.js";

// Special functions and randomness
export { regularizedIncompleteBeta } from "./special/beta-function.js";
export { logGamma, regularizedGammaP, regularizedGammaQ } from "./special/gamma-functions.js";
export { normalCdf, normalQuantile, studentTTwoSidedP, fSurvival, chiSquareSurvival } from "./special/distributions.js";
export { createSeededRandom } from "./random/seeded-random.js";
export type { RandomSeed, SeededRandom } from "./random/seeded-random.js";

// The paper's published inputs
export * from "./paper/cost-fixtures.js";
export * from "./paper/scaling-points.js";

// Charts (Vega-Lite specs, rendered offline to SVG and PNG)
export { scalingChartSpec } from "./charts/scaling-chart.js";
export { costChartSpec } from "./charts/cost-chart.js";
export { sensitivityChartSpec } from "./charts/sensitivity-chart.js";
export { ablationChartSpec, significanceMark } from "./charts/ablation-chart.js";
export { repositoryChartSpec } from "./charts/repository-chart.js";
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
export type { FitSection } from "./report/fit-section.js";
export type { CompareSection, Contrast } from "./report/compare-section.js";
export type { InstanceSection } from "./report/instance-section.js";
export type { SeedSection } from "./report/seed-section.js";
export { impliedPowerLaw } from "./report/implied-curve.js";
export type { ImpliedCurve } from "./report/implied-curve.js";

// The paper replayed as runs (registers the paper-table stage)
export { paperTableStage } from "./paper/stage.js";
export { publishedRun, paperCostLines, paperTableParamsSchema, PAPER_TRUNCATION_RATIO_SEEDS } from "./paper/published-runs.js";
export type { PaperTableParams, PublishedRun } from "./paper/published-runs.js";
export { reproduceTable15, checkTable11Costs, PAPER_TABLE15_PRINTED } from "./paper/reproduction-tables.js";
export { writeSyntheticSweep } from "./report/synthetic-sweep.js";
export type { SyntheticSweep, SyntheticSweepOptions } from "./report/synthetic-sweep.js";
