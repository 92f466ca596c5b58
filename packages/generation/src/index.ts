export {};
export * from "./verify/index.js";
export * from "./tasks/index.js";
