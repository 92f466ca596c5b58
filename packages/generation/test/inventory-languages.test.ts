import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { inventory, type FunctionKind, type InventoryOptions, type SourceLanguage } from "../src/index.js";
import { FIXTURES_DIR, removeCreatedRepos, repoFromFolder } from "./fixtures/inventory/git-repo.js";

afterAll(removeCreatedRepos);

type Row = [file: string, qualifiedName: string, kind: FunctionKind, startLine: number, endLine: number, language: SourceLanguage];

async function listFixture(name: string, options: InventoryOptions = {}) {
  const { dir, sha } = repoFromFolder(path.join(FIXTURES_DIR, name));
  const result = await inventory(dir, sha, options);
  const rows: Row[] = result.functions.map((f) => [f.file, f.qualifiedName, f.kind, f.startLine, f.endLine, f.language]);
  return { result, rows };
}

describe("inventory per language (fixture repos, default options)", () => {
  it("python: methods, nested classes, decorators, async, constructors; nested functions, tests and generated code left out", async () => {
    const { result, rows } = await listFixture("python");
    const cart = "shop/cart.py";
    const text = "shop/util/text.py";
    expect(rows).toEqual<Row[]>([
      [cart, "parse_sku", "function", 6, 10, "python"],
      [cart, "Cart.Line.__init__", "constructor", 17, 19, "python"],
      [cart, "Cart.Line.subtotal", "method", 21, 22, "python"],
      [cart, "Cart.Line.Discount.apply", "method", 25, 26, "python"],
      [cart, "Cart.__init__", "constructor", 28, 29, "python"],
      [cart, "Cart.add", "method", 31, 37, "python"],
      // Decorated definitions start at their first decorator.
      [cart, "Cart.size", "method", 39, 41, "python"],
      [cart, "Cart.currency", "method", 43, 46, "python"],
      [cart, "Cart.checkout", "method", 48, 50, "python"],
      [cart, "Coupon.is_valid", "method", 57, 58, "python"],
      [cart, "fetch_prices", "function", 61, 65, "python"],
      [cart, "main", "function", 69, 70, "python"],
      [text, "squash_spaces", "function", 6, 7, "python"],
      [text, "never_called", "function", 10, 15, "python"],
      [text, "fold", "function", 21, 22, "python"],
      [text, "fold", "function", 24, 25, "python"],
    ]);
    expect(result.counts).toEqual({ python: 16, typescript: 0, javascript: 0, go: 0, rust: 0, java: 0 });
    // tests/test_cart.py and shop/orders_pb2.py
    expect(result.skipped.skipGlob).toBe(2);
    expect(result.filesParsed).toBe(2);
  });

  it("typescript and javascript: declarations, class members, const arrows, namespaces, tsx; signatures and object literals left out", async () => {
    const { result, rows } = await listFixture("typescript");
    const store = "src/store.ts";
    expect(rows).toEqual<Row[]>([
      ["src/legacy.js", "slugify", "function", 3, 7, "javascript"],
      ["src/legacy.js", "Registry.register", "method", 12, 14, "javascript"],
      ["src/legacy.js", "Registry.lookup", "method", 16, 18, "javascript"],
      [store, "totalPrice", "function", 8, 12, "typescript"],
      [store, "formatPrice", "function", 14, 17, "typescript"],
      [store, "neverCalled", "function", 19, 21, "typescript"],
      // Only the overload with a body.
      [store, "parse", "function", 25, 29, "typescript"],
      [store, "Store.constructor", "constructor", 34, 36, "typescript"],
      [store, "Store.add", "method", 40, 43, "typescript"],
      [store, "Store.size", "method", 45, 47, "typescript"],
      [store, "Store.onRemove", "method", 49, 51, "typescript"],
      [store, "Store.open", "method", 53, 55, "typescript"],
      [store, "Pricing.withTax", "function", 59, 62, "typescript"],
      ["src/ui/badge.tsx", "Badge", "function", 3, 5, "typescript"],
      ["src/ui/badge.tsx", "Panel", "function", 7, 9, "typescript"],
    ]);
    expect(result.counts.typescript).toBe(12);
    expect(result.counts.javascript).toBe(3);
    // src/ is the detected code folder (SERA's src/ rule), so generated/api.ts lies outside it; src/store.spec.ts by glob.
    expect(result.codeFolder).toMatchObject({ path: "src", source: "detected" });
    expect(result.skipped.outsideCodeFolder).toBe(1);
    expect(result.skipped.skipGlob).toBe(1);
  });

  it("go: functions and receiver methods named by the receiver's base type", async () => {
    const { result, rows } = await listFixture("go");
    expect(rows).toEqual<Row[]>([
      ["internal/queue/queue.go", "List.Push", "method", 7, 9, "go"],
      ["internal/queue/queue.go", "List.Len", "method", 11, 13, "go"],
      ["internal/queue/queue.go", "Map", "function", 15, 21, "go"],
      ["server.go", "NewServer", "function", 13, 15, "go"],
      ["server.go", "Server.Reserve", "method", 17, 23, "go"],
      ["server.go", "Server.ServeHTTP", "method", 25, 30, "go"],
      ["server.go", "unusedAudit", "function", 32, 38, "go"],
    ]);
    // server_test.go and api/stock.pb.go
    expect(result.skipped.skipGlob).toBe(2);
  });

  it("rust: impl and trait methods as Type.method, inline modules, attributes in spans; inline tests left out", async () => {
    const { result, rows } = await listFixture("rust");
    expect(rows).toEqual<Row[]>([
      ["src/lib.rs", "Ledger.new", "method", 10, 12, "rust"],
      ["src/lib.rs", "Ledger.record", "method", 14, 19, "rust"],
      ["src/lib.rs", "Ledger.balance", "method", 21, 24, "rust"],
      ["src/lib.rs", "Ledger.fmt", "method", 28, 30, "rust"],
      ["src/lib.rs", "Audit.describe", "method", 36, 38, "rust"],
      ["src/lib.rs", "parse_amount", "function", 41, 44, "rust"],
      ["src/lib.rs", "never_called", "function", 46, 49, "rust"],
      ["src/lib.rs", "report.render", "function", 52, 54, "rust"],
      ["src/shapes.rs", "Stack.push", "method", 6, 8, "rust"],
      ["src/shapes.rs", "Stack.peek", "method", 10, 12, "rust"],
      ["src/shapes.rs", "Stack.audit", "method", 16, 18, "rust"],
    ]);
    // src/ is the detected code folder: tests/integration.rs and vendor/tinyvec/src/lib.rs lie outside it.
    expect(result.codeFolder).toMatchObject({ path: "src", source: "detected" });
    expect(result.skipped.outsideCodeFolder).toBe(2);
    expect(result.skipped.skipGlob).toBe(0);
  });

  it("java: methods and constructors with nested types; bodiless, anonymous-class and enum-constant methods left out", async () => {
    const { result, rows } = await listFixture("java", { codeFolder: "src/main/java" });
    const file = "src/main/java/com/acme/Inventory.java";
    expect(rows).toEqual<Row[]>([
      [file, "Inventory.Inventory", "constructor", 17, 19, "java"],
      [file, "Inventory.Inventory", "constructor", 21, 23, "java"],
      // Annotations are part of the declaration.
      [file, "Inventory.count", "method", 25, 28, "java"],
      [file, "Inventory.largest", "method", 30, 36, "java"],
      [file, "Inventory.neverCalled", "method", 38, 42, "java"],
      [file, "Inventory.Shelf.Shelf", "constructor", 47, 49, "java"],
      [file, "Inventory.Shelf.fits", "method", 51, 53, "java"],
      [file, "Inventory.Shelf.Level.label", "method", 64, 66, "java"],
      [file, "Inventory.Auditor.name", "method", 73, 75, "java"],
      [file, "Inventory.Entry.Entry", "constructor", 79, 81, "java"],
      [file, "Inventory.Entry.doubled", "method", 83, 85, "java"],
    ]);
    // The test tree lies outside the code folder; the generated class is skipped by glob.
    expect(result.skipped.outsideCodeFolder).toBe(1);
    expect(result.skipped.skipGlob).toBe(1);
  });
});
