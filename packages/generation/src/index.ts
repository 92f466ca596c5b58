export {};
export * from "./verify/index.js";
