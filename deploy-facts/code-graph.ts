/**
 * Static facts about a deployable, read from its source: the files its main.ts reaches, the npm
 * packages they import, and the AWS SDK commands reachable from main.ts. Reachability is
 * followed symbol by symbol (an imported function pulls in only what it references), so a
 * module that also holds unused table-creation code does not widen a service's IAM policy.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import ts from "typescript";

export interface SdkUse {
  /** SDK export referenced, e.g. `QueryCommand`, `waitUntilTableExists`. */
  readonly symbol: string;
  /** Package it comes from, e.g. `@aws-sdk/client-dynamodb`. */
  readonly module: string;
  /** Repo-relative file that references it. */
  readonly file: string;
  /** Table definitions (`journalTable`, ...) the same file's reachable code references. */
  readonly tables: readonly string[];
  /**
   * Logical tables named by the `TableName` of each `new XCommand({...})` site: matched from the
   * expression's text (`tableNames.snapshots`, `config.JOURNAL_TABLE`), undefined when unclear.
   */
  readonly callTables: ReadonlyArray<string | undefined>;
  /**
   * The one table that reachable callers pass to this file's functions and classes (an argument
   * such as `config.LEASES_TABLE` or `{ leasesTableName }`), when the file itself names none.
   */
  readonly passedTable: string | undefined;
}

/** A transaction item (`{ Put: { TableName, ... } }`) built anywhere in reachable code. */
export interface TransactItem {
  readonly kind: string;
  readonly table: string | undefined;
  readonly file: string;
}

export interface Graph {
  readonly files: readonly string[];
  readonly packages: readonly string[];
  readonly sdkUses: readonly SdkUse[];
  readonly transactItems: readonly TransactItem[];
}

interface Binding {
  readonly kind: "local" | "import";
  readonly node?: ts.Node;
  readonly from?: string;
  readonly imported?: string;
}

interface ParsedFile {
  readonly path: string;
  readonly source: ts.SourceFile;
  readonly bindings: Map<string, Binding>;
  readonly namedReExports: Map<string, { from: string; imported: string }>;
  readonly starReExports: string[];
  readonly topLevel: ts.Statement[];
}

const TRANSACT_KINDS = new Set(["Put", "Update", "Delete", "ConditionCheck", "Get"]);

const resolveRelative = (fromFile: string, spec: string): string => {
  const base = resolve(dirname(fromFile), spec);
  const candidates = [base.replace(/\.js$/, ".ts"), `${base}.ts`, resolve(base, "index.ts")];
  const found = candidates.find((c) => existsSync(c));
  if (!found) throw new Error(`cannot resolve ${spec} from ${fromFile}`);
  return found;
};

const parse = (path: string): ParsedFile => {
  const source = ts.createSourceFile(
    path,
    readFileSync(path, "utf8"),
    ts.ScriptTarget.ES2023,
    true,
  );
  const bindings = new Map<string, Binding>();
  const namedReExports = new Map<string, { from: string; imported: string }>();
  const starReExports: string[] = [];
  const topLevel: ts.Statement[] = [];
  const target = (spec: string) => (spec.startsWith(".") ? resolveRelative(path, spec) : spec);
  for (const st of source.statements) {
    if (ts.isImportDeclaration(st) && ts.isStringLiteral(st.moduleSpecifier)) {
      const from = target(st.moduleSpecifier.text);
      const clause = st.importClause;
      if (!clause || clause.isTypeOnly) continue;
      if (clause.name)
        bindings.set(clause.name.text, { kind: "import", from, imported: "default" });
      const nb = clause.namedBindings;
      if (nb && ts.isNamespaceImport(nb))
        bindings.set(nb.name.text, { kind: "import", from, imported: "*" });
      if (nb && ts.isNamedImports(nb))
        for (const el of nb.elements)
          if (!el.isTypeOnly)
            bindings.set(el.name.text, {
              kind: "import",
              from,
              imported: (el.propertyName ?? el.name).text,
            });
    } else if (
      ts.isExportDeclaration(st) &&
      st.moduleSpecifier &&
      ts.isStringLiteral(st.moduleSpecifier)
    ) {
      if (st.isTypeOnly) continue;
      const from = target(st.moduleSpecifier.text);
      if (!st.exportClause) starReExports.push(from);
      else if (ts.isNamedExports(st.exportClause))
        for (const el of st.exportClause.elements)
          namedReExports.set(el.name.text, { from, imported: (el.propertyName ?? el.name).text });
    } else {
      topLevel.push(st);
      for (const name of declaredNames(st)) bindings.set(name, { kind: "local", node: st });
    }
  }
  return { path, source, bindings, namedReExports, starReExports, topLevel };
};

const declaredNames = (st: ts.Statement): string[] => {
  if (
    (ts.isFunctionDeclaration(st) || ts.isClassDeclaration(st) || ts.isEnumDeclaration(st)) &&
    st.name
  )
    return [st.name.text];
  if (ts.isVariableStatement(st))
    return st.declarationList.declarations.flatMap((d) =>
      ts.isIdentifier(d.name) ? [d.name.text] : [],
    );
  return [];
};

/** Walks from `mainFile`'s top-level statements through every symbol they reference. */
/** The one logical table whose name the expression's text contains, else undefined. */
const tableNamedBy = (text: string, logicalTables: readonly string[]): string | undefined => {
  const lower = text.toLowerCase();
  const hits = logicalTables.filter((t) => lower.includes(t.toLowerCase()));
  return hits.length === 1 ? hits[0] : undefined;
};

const tableNameOf = (
  obj: ts.Expression | undefined,
  source: ts.SourceFile,
  logicalTables: readonly string[],
): string | undefined => {
  if (!obj) return undefined;
  // `new PutItemCommand(snapshotPut(tableNames.snapshots, item))`: the input's builder names it.
  if (!ts.isObjectLiteralExpression(obj)) return tableArgument(obj.getText(source), logicalTables);
  for (const p of obj.properties)
    if (ts.isPropertyAssignment(p) && ts.isIdentifier(p.name) && p.name.text === "TableName")
      return tableNamedBy(p.initializer.getText(source), logicalTables);
  return undefined;
};

export const analyse = (
  repoRoot: string,
  mainFile: string,
  logicalTables: readonly string[] = [],
): Graph => {
  const parsed = new Map<string, ParsedFile>();
  const get = (p: string) => {
    let f = parsed.get(p);
    if (!f) {
      f = parse(p);
      parsed.set(p, f);
    }
    return f;
  };
  const visitedNodes = new Set<ts.Node>();
  const visitedExports = new Set<string>();
  const packages = new Set<string>();
  const uses: SdkUse[] = [];
  const files = new Set<string>();
  const rel = (p: string) => p.slice(repoRoot.length + 1);

  const perFile = new Map<
    string,
    { tables: Set<string>; calls: Map<string, Set<string | undefined>>; passed: Set<string> }
  >();
  const rawItems: Array<{ kind: string; table: string | undefined; path: string }> = [];
  const factsOf = (path: string) => {
    let f = perFile.get(path);
    if (!f) {
      f = { tables: new Set(), calls: new Map(), passed: new Set() };
      perFile.set(path, f);
    }
    return f;
  };
  const sdk: Array<{ symbol: string; module: string; path: string }> = [];
  // Class members are reached by name: a method counts once reachable code accesses a property
  // of that name (calls through a port interface use the same name), so a consumer that only
  // reads through the event store does not inherit the store's write path.
  const accessed = new Set<string>();
  const pendingMembers = new Map<string, Array<{ file: ParsedFile; node: ts.Node }>>();
  const access = (name: string): void => {
    if (accessed.has(name)) return;
    accessed.add(name);
    const pending = pendingMembers.get(name) ?? [];
    pendingMembers.delete(name);
    for (const m of pending) visitNode(m.file, m.node);
  };
  const visitClass = (file: ParsedFile, cls: ts.ClassDeclaration): void => {
    for (const h of cls.heritageClauses ?? []) visitNode(file, h);
    for (const m of cls.members) {
      const name =
        m.name && (ts.isIdentifier(m.name) || ts.isPrivateIdentifier(m.name))
          ? m.name.text
          : undefined;
      if (ts.isMethodDeclaration(m) && name && !accessed.has(name)) {
        pendingMembers.set(name, [...(pendingMembers.get(name) ?? []), { file, node: m }]);
      } else visitNode(file, m);
    }
  };

  const visitNode = (file: ParsedFile, node: ts.Node): void => {
    if (visitedNodes.has(node)) return;
    visitedNodes.add(node);
    files.add(rel(file.path));
    const facts = factsOf(file.path);
    if (ts.isClassDeclaration(node)) {
      visitClass(file, node);
      return;
    }
    const walk = (n: ts.Node): void => {
      if (ts.isTypeNode(n) && !ts.isExpressionWithTypeArguments(n)) return; // types emit no code
      if (ts.isClassDeclaration(n) && n !== node) {
        visitClass(file, n);
        return;
      }
      if (ts.isPropertyAccessExpression(n)) access(n.name.text);
      if (ts.isElementAccessExpression(n) && ts.isStringLiteral(n.argumentExpression))
        access(n.argumentExpression.text);
      if (ts.isBindingElement(n)) access(((n.propertyName ?? n.name) as ts.Identifier).text ?? "");
      if (ts.isPropertyAssignment(n) && ts.isIdentifier(n.name) && TRANSACT_KINDS.has(n.name.text))
        rawItems.push({
          kind: n.name.text,
          table: tableNameOf(n.initializer, file.source, logicalTables),
          path: file.path,
        });
      if ((ts.isNewExpression(n) || ts.isCallExpression(n)) && ts.isIdentifier(n.expression)) {
        const b = file.bindings.get(n.expression.text);
        const callee =
          b?.kind === "import" && b.from?.startsWith("/") && b.imported
            ? definingFile(b.from, b.imported, get)
            : undefined;
        if (callee)
          for (const t of passedTables(n.arguments ?? [], file.source, logicalTables))
            factsOf(callee).passed.add(t);
      }
      if (ts.isNewExpression(n) && ts.isIdentifier(n.expression)) {
        const calls = facts.calls.get(n.expression.text) ?? new Set();
        calls.add(tableNameOf(n.arguments?.[0], file.source, logicalTables));
        facts.calls.set(n.expression.text, calls);
      }
      if (ts.isIdentifier(n) && isReference(n)) {
        const b = file.bindings.get(n.text);
        if (b?.kind === "local" && b.node) visitNode(file, b.node);
        if (b?.kind === "import" && b.from && b.imported) {
          if (b.from.startsWith("/")) {
            if (/\/tables\/definitions\.ts$/.test(b.from) && /Table$/.test(b.imported))
              facts.tables.add(b.imported);
            visitExport(b.from, b.imported);
          } else {
            packages.add(packageName(b.from));
            if (b.from.startsWith("@aws-sdk/") && isSdkCall(b.imported))
              sdk.push({ symbol: b.imported, module: b.from, path: file.path });
          }
        }
      }
      ts.forEachChild(n, walk);
    };
    walk(node);
  };

  const visitExport = (path: string, name: string): void => {
    const key = `${path}#${name}`;
    if (visitedExports.has(key)) return;
    visitedExports.add(key);
    const file = get(path);
    files.add(rel(path));
    if (name === "*") {
      for (const st of file.topLevel) visitNode(file, st);
      return;
    }
    const b = file.bindings.get(name);
    if (b?.kind === "local" && b.node) {
      visitNode(file, b.node);
      return;
    }
    if (b?.kind === "import" && b.from && b.imported) {
      if (b.from.startsWith("/")) {
        visitExport(b.from, b.imported);
        return;
      }
      packages.add(packageName(b.from));
      return;
    }
    const re = file.namedReExports.get(name);
    if (re) {
      visitExport(re.from, re.imported);
      return;
    }
    for (const star of file.starReExports) {
      if (!star.startsWith("/")) continue;
      if (exportsName(get(star), name, get)) {
        visitExport(star, name);
        return;
      }
    }
  };

  const main = get(resolve(repoRoot, mainFile));
  files.add(rel(main.path));
  for (const st of main.topLevel) visitNode(main, st);
  // Side-effect imports (`import "./x.js"`) and module specifiers of every reached file.
  for (const f of [...files]) {
    for (const st of get(resolve(repoRoot, f)).source.statements)
      if (
        ts.isImportDeclaration(st) &&
        ts.isStringLiteral(st.moduleSpecifier) &&
        !st.importClause
      ) {
        const spec = st.moduleSpecifier.text;
        if (spec.startsWith(".")) visitExport(resolveRelative(resolve(repoRoot, f), spec), "*");
        else packages.add(packageName(spec));
      }
  }
  const seen = new Set<string>();
  for (const s of sdk) {
    const key = `${s.path}#${s.symbol}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const facts = factsOf(s.path);
    uses.push({
      symbol: s.symbol,
      module: s.module,
      file: rel(s.path),
      tables: [...facts.tables].sort(),
      callTables: [...(facts.calls.get(s.symbol) ?? [])],
      passedTable: facts.passed.size === 1 ? [...facts.passed][0] : undefined,
    });
  }
  // An item whose TableName is unclear belongs to the one table definition its file uses, if any.
  const transactItems = rawItems.map((i): TransactItem => {
    const fileTables = [...factsOf(i.path).tables];
    const single = fileTables.length === 1 ? fileTables[0]?.replace(/Table$/, "") : undefined;
    const passed = factsOf(i.path).passed;
    const hinted = passed.size === 1 ? [...passed][0] : undefined;
    return { kind: i.kind, table: i.table ?? single ?? hinted, file: rel(i.path) };
  });
  return {
    files: [...files].sort(),
    packages: [...packages].sort(),
    sdkUses: uses,
    transactItems,
  };
};

/**
 * Tables an argument list names, one per argument (or per property of an object argument) that
 * names exactly one: `(dynamo, config.PARKED_TABLE)` → parked, `({ leasesTableName })` → leases.
 */
const passedTables = (
  args: readonly ts.Expression[],
  source: ts.SourceFile,
  logicalTables: readonly string[],
): string[] =>
  args.flatMap((a) => {
    const parts = ts.isObjectLiteralExpression(a)
      ? a.properties.map((p) => p.getText(source))
      : [a.getText(source)];
    return parts.flatMap((t) => {
      const hit = tableArgument(t, logicalTables);
      return hit ? [hit] : [];
    });
  });

/**
 * The one table an argument names, if it reads as a table name (`config.PARKED_TABLE`,
 * `leasesTableName`, `tableNames.snapshots`); `idempotencyTtlSeconds` names none.
 */
const tableArgument = (text: string, logicalTables: readonly string[]): string | undefined =>
  /table/i.test(text) ? tableNamedBy(text, logicalTables) : undefined;

/** The file that declares `name` as exported from `path`, following re-exports. */
const definingFile = (
  path: string,
  name: string,
  get: (p: string) => ParsedFile,
  seen = new Set<string>(),
): string | undefined => {
  if (seen.has(`${path}#${name}`)) return undefined;
  seen.add(`${path}#${name}`);
  const file = get(path);
  const b = file.bindings.get(name);
  if (b?.kind === "local") return path;
  if (b?.kind === "import" && b.from?.startsWith("/") && b.imported)
    return definingFile(b.from, b.imported, get, seen);
  const re = file.namedReExports.get(name);
  if (re?.from.startsWith("/")) return definingFile(re.from, re.imported, get, seen);
  for (const star of file.starReExports)
    if (star.startsWith("/") && exportsName(get(star), name, get))
      return definingFile(star, name, get, seen);
  return undefined;
};

const exportsName = (
  file: ParsedFile,
  name: string,
  get: (p: string) => ParsedFile,
  seen = new Set<string>(),
): boolean => {
  if (seen.has(file.path)) return false;
  seen.add(file.path);
  if (file.bindings.get(name)?.kind === "local" || file.namedReExports.has(name)) return true;
  return file.starReExports.some((s) => s.startsWith("/") && exportsName(get(s), name, get, seen));
};

const isSdkCall = (name: string): boolean => /Command$|^waitUntil|^paginate/.test(name);

/** False for names that only label a property (`a.name`, `{ name: v }`), not a binding. */
const isReference = (n: ts.Identifier): boolean => {
  const p = n.parent;
  if (ts.isPropertyAccessExpression(p) && p.name === n) return false;
  if (
    (ts.isPropertyAssignment(p) ||
      ts.isPropertyDeclaration(p) ||
      ts.isMethodDeclaration(p) ||
      ts.isPropertySignature(p) ||
      ts.isGetAccessor(p) ||
      ts.isSetAccessor(p)) &&
    p.name === n
  )
    return false;
  return true;
};

const packageName = (spec: string): string => {
  if (spec.startsWith("node:")) return spec;
  const parts = spec.split("/");
  return spec.startsWith("@") ? `${parts[0]}/${parts[1]}` : (parts[0] ?? spec);
};

/**
 * What Node loads at run time: every module reachable through value imports and re-exports,
 * file by file (ESM evaluates a whole module graph, used or not).
 */
export const moduleClosure = (
  repoRoot: string,
  mainFile: string,
): { files: string[]; packages: string[] } => {
  const files = new Set<string>();
  const packages = new Set<string>();
  const visit = (path: string): void => {
    if (files.has(path)) return;
    files.add(path);
    const f = parse(path);
    const targets = [
      ...[...f.bindings.values()].flatMap((b) => (b.kind === "import" && b.from ? [b.from] : [])),
      ...[...f.namedReExports.values()].map((r) => r.from),
      ...f.starReExports,
      ...f.source.statements.flatMap((st) =>
        ts.isImportDeclaration(st) && ts.isStringLiteral(st.moduleSpecifier) && !st.importClause
          ? [
              st.moduleSpecifier.text.startsWith(".")
                ? resolveRelative(path, st.moduleSpecifier.text)
                : st.moduleSpecifier.text,
            ]
          : [],
      ),
    ];
    for (const t of targets) {
      if (t.startsWith("/")) visit(t);
      else packages.add(packageName(t));
    }
  };
  visit(resolve(repoRoot, mainFile));
  return {
    files: [...files].map((p) => p.slice(repoRoot.length + 1)).sort(),
    packages: [...packages].sort(),
  };
};
