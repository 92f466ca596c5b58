export {};
export * from "./verify/index.js";
export * from "./tasks/index.js";
export * from "./inventory/index.js";
export * from "./model/index.js";
export * from "./scripted/index.js";
