/**
 * The configuration a deployable reads at start-up, taken from the `readConfig(process.env,
 * spec)` call in its main.ts and evaluated with the real spec builders of services/config/env.ts,
 * so defaults and validation rules come from the code itself, not from a copy in the tests.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import ts from "typescript";
import * as envModule from "../../../services/config/env.js";
import { ConfigProblem, type VarSpec } from "../../../services/config/env.js";

export interface ConfigVar {
  readonly name: string;
  readonly spec: VarSpec<unknown>;
  /** No default: start-up fails without it. */
  readonly required: boolean;
  /** Value used when the variable is absent (undefined for required or optional ones). */
  readonly fallback: unknown;
}

const findReadConfig = (source: ts.SourceFile): ts.CallExpression | undefined => {
  let found: ts.CallExpression | undefined;
  const walk = (n: ts.Node): void => {
    if (
      !found &&
      ts.isCallExpression(n) &&
      ts.isIdentifier(n.expression) &&
      n.expression.text === "readConfig"
    )
      found = n;
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

const evaluate = async (
  expr: ts.Expression,
  source: ts.SourceFile,
  file: string,
): Promise<Record<string, VarSpec<unknown>>> => {
  const imports = importsOf(source, file);
  const scope: Record<string, unknown> = {};
  for (const name of freeNames(expr)) {
    if (name in globalThis) continue;
    const imp = imports.get(name);
    if (!imp) throw new Error(`${file}: config spec uses ${name}, which is not imported`);
    const mod = imp.path.endsWith("/config/env.ts")
      ? (envModule as Record<string, unknown>)
      : ((await import(imp.path)) as Record<string, unknown>);
    scope[name] = mod[imp.name];
  }
  const js = ts.transpileModule(`(${expr.getText(source)})`, {
    compilerOptions: { target: ts.ScriptTarget.ES2022 },
  }).outputText;
  // The spec is plain data built by env.ts helpers; evaluating it gives the real parsers.
  const build = new Function(...Object.keys(scope), `return ${js.trim().replace(/;$/, "")};`);
  return build(...Object.values(scope)) as Record<string, VarSpec<unknown>>;
};

export const readConfigSpec = async (repoRoot: string, mainFile: string): Promise<ConfigVar[]> => {
  const file = resolve(repoRoot, mainFile);
  const source = ts.createSourceFile(
    file,
    readFileSync(file, "utf8"),
    ts.ScriptTarget.ES2023,
    true,
  );
  const call = findReadConfig(source);
  const arg = call?.arguments[1];
  if (!arg) throw new Error(`${mainFile}: no readConfig(process.env, spec) call found`);
  let expr: ts.Expression = arg;
  if (ts.isIdentifier(arg)) {
    const local = source.statements
      .filter(ts.isVariableStatement)
      .flatMap((s) => [...s.declarationList.declarations])
      .find((d) => ts.isIdentifier(d.name) && d.name.text === arg.text);
    if (local?.initializer) expr = local.initializer;
  }
  const spec = await evaluate(expr, source, file);
  return Object.entries(spec).map(([name, s]) => {
    const absent = s.parse(undefined, name);
    const required = absent instanceof ConfigProblem;
    return { name, spec: s, required, fallback: required ? undefined : absent };
  });
};
