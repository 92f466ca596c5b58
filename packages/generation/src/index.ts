export {};
export * from "./verify/index.js";
export * from "./tasks/index.js";
export * from "./inventory/index.js";
