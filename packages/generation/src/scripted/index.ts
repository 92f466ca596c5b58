export { startScriptedModelServer } from "./server.js";
export type { ScriptedFaultRates, ScriptedModelServer, ScriptedModelServerOptions, ScriptedServerStats } from "./server.js";
