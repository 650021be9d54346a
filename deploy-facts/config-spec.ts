/**
 * The configuration a deployable reads at start-up, taken from the `readConfig(process.env,
 * spec)` call in its main.ts and evaluated with the real spec builders of services/config/env.ts,
 * so defaults and validation rules come from the code itself, not from a copy in the tests.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import ts from "typescript";
import * as envModule from "../services/config/env.js";
import { ConfigProblem, type VarSpec } from "../services/config/env.js";

export interface ConfigVar {
  readonly name: string;
  readonly spec: VarSpec<unknown>;
  /** No default: start-up fails without it. */
  readonly required: boolean;
  /** Value used when the variable is absent (undefined for required or optional ones). */
  readonly fallback: unknown;
}

/** Every `readConfig(process.env, spec)` call (CLIs may also parse flags with readConfig). */
const findReadConfigs = (source: ts.SourceFile): ts.CallExpression[] => {
  const found: ts.CallExpression[] = [];
  const walk = (n: ts.Node): void => {
    if (
      ts.isCallExpression(n) &&
      ts.isIdentifier(n.expression) &&
      n.expression.text === "readConfig" &&
      n.arguments[0]?.getText(source) === "process.env"
    )
      found.push(n);
    ts.forEachChild(n, walk);
  };
  walk(source);
  return found;
};

const importsOf = (source: ts.SourceFile, file: string) => {
  const map = new Map<string, { path: string; name: string }>();
  for (const st of source.statements) {
    if (!ts.isImportDeclaration(st) || !ts.isStringLiteral(st.moduleSpecifier)) continue;
    const spec = st.moduleSpecifier.text;
    if (!spec.startsWith(".")) continue;
    const base = resolve(dirname(file), spec).replace(/\.js$/, ".ts");
    const path = existsSync(base) ? base : resolve(base.replace(/\.ts$/, ""), "index.ts");
    const nb = st.importClause?.namedBindings;
    if (nb && ts.isNamedImports(nb))
      for (const el of nb.elements)
        map.set(el.name.text, { path, name: (el.propertyName ?? el.name).text });
  }
  return map;
};

/** Free identifiers of an expression (names not used as property labels). */
const freeNames = (expr: ts.Node): Set<string> => {
  const names = new Set<string>();
  const walk = (n: ts.Node): void => {
    if (ts.isIdentifier(n)) {
      const p = n.parent;
      const label =
        (ts.isPropertyAccessExpression(p) && p.name === n) ||
        (ts.isPropertyAssignment(p) && p.name === n);
      if (!label) names.add(n.text);
    }
    ts.forEachChild(n, walk);
  };
  walk(expr);
  return names;
};

const transpile = (code: string): string =>
  ts
    .transpileModule(code, { compilerOptions: { target: ts.ScriptTarget.ES2022 } })
    .outputText.trim()
    .replace(/;$/, "");

const topLevelDeclaration = (source: ts.SourceFile, name: string): ts.Node | undefined => {
  for (const st of source.statements) {
    if (ts.isFunctionDeclaration(st) && st.name?.text === name) return st;
    if (ts.isVariableStatement(st))
      for (const d of st.declarationList.declarations)
        if (ts.isIdentifier(d.name) && d.name.text === name) return d;
  }
  return undefined;
};

/**
 * Evaluates an expression of main.ts with the real values of the names it uses: imports
 * (env.ts helpers, defaults from other modules) and main.ts's own top-level helpers.
 */
const evaluate = async (expr: ts.Node, source: ts.SourceFile, file: string): Promise<unknown> => {
  const imports = importsOf(source, file);
  const cache = new Map<string, unknown>();
  const evalNode = async (node: ts.Node): Promise<unknown> => {
    const scope: Record<string, unknown> = {};
    for (const name of freeNames(node)) {
      if (name in globalThis) continue;
      if (cache.has(name)) scope[name] = cache.get(name);
      else if (imports.has(name)) {
        const imp = imports.get(name) as { path: string; name: string };
        const mod = imp.path.endsWith("/config/env.ts")
          ? (envModule as Record<string, unknown>)
          : ((await import(imp.path)) as Record<string, unknown>);
        cache.set(name, mod[imp.name]);
        scope[name] = mod[imp.name];
      } else {
        const decl = topLevelDeclaration(source, name);
        if (!decl || decl === node) continue; // a parameter or local: JS scoping resolves it
        const value = await evalNode(decl);
        cache.set(name, value);
        scope[name] = value;
      }
    }
    const body = ts.isFunctionDeclaration(node)
      ? `${transpile(node.getText(source))}; return ${node.name?.text};`
      : `return (${transpile(`(${(ts.isVariableDeclaration(node) ? node.initializer : node)?.getText(source)})`)});`;
    return new Function(...Object.keys(scope), body)(...Object.values(scope));
  };
  return evalNode(expr);
};

export const readConfigSpec = async (repoRoot: string, mainFile: string): Promise<ConfigVar[]> => {
  const file = resolve(repoRoot, mainFile);
  const source = ts.createSourceFile(
    file,
    readFileSync(file, "utf8"),
    ts.ScriptTarget.ES2023,
    true,
  );
  const calls = findReadConfigs(source);
  if (calls.length === 0)
    throw new Error(`${mainFile}: no readConfig(process.env, spec) call found`);
  const spec: Record<string, VarSpec<unknown>> = {};
  for (const call of calls) {
    const arg = call.arguments[1] as ts.Expression;
    let expr: ts.Expression = arg;
    if (ts.isIdentifier(arg)) {
      const local = topLevelDeclaration(source, arg.text);
      if (local && ts.isVariableDeclaration(local) && local.initializer) expr = local.initializer;
    }
    Object.assign(spec, await evaluate(expr, source, file));
  }
  return Object.entries(spec).map(([name, s]) => {
    const absent = s.parse(undefined, name);
    const required = absent instanceof ConfigProblem;
    return { name, spec: s, required, fallback: required ? undefined : absent };
  });
};
