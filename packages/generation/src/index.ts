export {};
export * from "./verify/index.js";
export * from "./tasks/index.js";
export * from "./inventory/index.js";
export * from "./model/index.js";
export * from "./scripted/index.js";
export * from "./sandbox/index.js";
export * from "./tools/index.js";
