export { SCRIPTED_MODEL_ID, startScriptedModelServer } from "./server.js";
export type { ScriptedFaultRates, ScriptedModelServer, ScriptedModelServerOptions, ScriptedServerStats } from "./server.js";
