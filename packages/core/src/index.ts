export * from "./trajectory/schema.js";
