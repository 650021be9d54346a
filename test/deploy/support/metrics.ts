/**
 * Metric references of dashboards and alarms (CloudFormation of either deploy path), and the
 * metrics the stream consumer emits, read from its code: `createEmfMetrics` driven through every
 * method with the options its main.ts passes.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import ts from "typescript";
import {
  createEmfPublisherMetrics,
  PUBLISHER_NAMESPACE,
  PUBLISHER_SERVICE,
} from "../../../services/integration-publisher/publisher-metrics.js";
import { createEmfMetrics } from "../../../services/streams/metrics/emf-metrics.js";
import { isRecord, type Json } from "./cfn-yaml.js";

export interface MetricRef {
  readonly namespace: string;
  readonly name: string;
  /** Dimension name → value (a placeholder where the template computes it). */
  readonly dimensions: Readonly<Record<string, string>>;
  readonly where: string;
}

export interface Emitted {
  readonly namespace: string;
  readonly metrics: ReadonlySet<string>;
  readonly dimensions: Readonly<Record<string, string>>;
  /** Every top-level field of the EMF lines (metrics, dimensions, properties): Logs Insights. */
  readonly fields: ReadonlySet<string>;
}

/** The options object literal of the `createEmfMetrics({...})` call in a main.ts. */
const emfOptionsOf = (mainPath: string): { service: string; properties: string[] } => {
  const source = ts.createSourceFile(
    mainPath,
    readFileSync(mainPath, "utf8"),
    ts.ScriptTarget.ES2023,
    true,
  );
  let found: { service: string; properties: string[] } | undefined;
  const walk = (n: ts.Node): void => {
    if (
      ts.isCallExpression(n) &&
      n.expression.getText(source) === "createEmfMetrics" &&
      n.arguments[0] &&
      ts.isObjectLiteralExpression(n.arguments[0])
    ) {
      const props = new Map(
        n.arguments[0].properties
          .filter(ts.isPropertyAssignment)
          .map((p) => [p.name.getText(source), p.initializer] as const),
      );
      const service = props.get("service");
      const properties = props.get("properties");
      found = {
        service: service && ts.isStringLiteral(service) ? service.text : "",
        properties:
          properties && ts.isObjectLiteralExpression(properties)
            ? properties.properties.map((p) => p.name?.getText(source) ?? "")
            : [],
      };
    }
    ts.forEachChild(n, walk);
  };
  walk(source);
  if (!found) throw new Error(`${mainPath}: no createEmfMetrics({...}) call`);
  return found;
};

export const emittedByConsumer = (repoRoot: string): Emitted => {
  const options = emfOptionsOf(join(repoRoot, "services/stream-consumer/main.ts"));
  const lines: string[] = [];
  const metrics = createEmfMetrics({
    service: options.service,
    properties: Object.fromEntries(options.properties.map((p) => [p, "x"])),
    write: (line) => lines.push(line),
  });
  // Every method of the port, with arguments each accepts (ids, counts, flags).
  for (const fn of Object.values(metrics)) (fn as (...a: unknown[]) => void)("x", 1);
  return emittedIn(lines);
};

/** What the integration publisher emits: the consumer's metrics and its own, in its namespace. */
export const emittedByPublisher = (): Emitted => {
  const lines: string[] = [];
  const write = (line: string) => void lines.push(line);
  const properties = { WorkerId: "x" };
  const metrics = [
    createEmfMetrics({
      service: PUBLISHER_SERVICE,
      namespace: PUBLISHER_NAMESPACE,
      properties,
      write,
    }),
    createEmfPublisherMetrics({ service: PUBLISHER_SERVICE, properties, write }),
  ];
  for (const m of metrics)
    for (const fn of Object.values(m)) (fn as (...a: unknown[]) => void)("x", 1);
  return emittedIn(lines);
};

const emittedIn = (lines: readonly string[]): Emitted => {
  const parsed = lines.map((l) => JSON.parse(l) as Record<string, Json> & { _aws: Json });
  const directives = parsed.flatMap((p) => {
    const aws = p._aws as {
      CloudWatchMetrics: Array<{
        Namespace: string;
        Dimensions: string[][];
        Metrics: Array<{ Name: string }>;
      }>;
    };
    return aws.CloudWatchMetrics.map((d) => ({ line: p, d }));
  });
  const namespaces = new Set(directives.map(({ d }) => d.Namespace));
  if (namespaces.size !== 1) throw new Error(`EMF namespaces: ${[...namespaces]}`);
  const dimensionNames = new Set(directives.flatMap(({ d }) => d.Dimensions.flat()));
  const first: Record<string, Json> = parsed[0] ?? {};
  return {
    namespace: [...namespaces][0] ?? "",
    metrics: new Set(directives.flatMap(({ d }) => d.Metrics.map((m) => m.Name))),
    dimensions: Object.fromEntries([...dimensionNames].map((n) => [n, String(first[n])])),
    fields: new Set(parsed.flatMap((p) => Object.keys(p).filter((k) => k !== "_aws"))),
  };
};

const dims = (v: Json | undefined): Record<string, string> =>
  Object.fromEntries(
    (Array.isArray(v) ? v : []).flatMap((d) =>
      isRecord(d) && typeof d.Name === "string"
        ? [[d.Name, typeof d.Value === "string" ? d.Value : "<computed>"]]
        : [],
    ),
  );

/** Metric references of the `AWS::CloudWatch::Alarm` resources of a template. */
export const alarmMetrics = (template: Json, where: string): MetricRef[] => {
  const resources = isRecord(template) && isRecord(template.Resources) ? template.Resources : {};
  return Object.entries(resources).flatMap(([id, r]) => {
    if (!isRecord(r) || r.Type !== "AWS::CloudWatch::Alarm" || !isRecord(r.Properties)) return [];
    const p = r.Properties;
    if (typeof p.MetricName === "string")
      return [
        {
          namespace: String(p.Namespace),
          name: p.MetricName,
          dimensions: dims(p.Dimensions),
          where: `${where} ${id}`,
        },
      ];
    return (Array.isArray(p.Metrics) ? p.Metrics : []).flatMap((m) => {
      const metric =
        isRecord(m) && isRecord(m.MetricStat) && isRecord(m.MetricStat.Metric)
          ? m.MetricStat.Metric
          : undefined;
      return metric
        ? [
            {
              namespace: String(metric.Namespace),
              name: String(metric.MetricName),
              dimensions: dims(metric.Dimensions),
              where: `${where} ${id}`,
            },
          ]
        : [];
    });
  });
};

/** A dashboard body (JSON text with `${...}` or CloudFormation tokens replaced) as widgets. */
export const dashboardMetrics = (
  body: string,
  where: string,
): { metrics: MetricRef[]; logFields: string[] } => {
  const widgets = (
    JSON.parse(body) as { widgets: Array<{ type: string; properties: Record<string, Json> }> }
  ).widgets;
  const metrics: MetricRef[] = [];
  const logFields: string[] = [];
  for (const w of widgets) {
    if (w.type === "log") {
      const q = String(w.properties.query);
      for (const m of q.matchAll(/\b(?:ispresent|max|min|avg|sum|count)\((\w+)\)/g))
        logFields.push(m[1] ?? "");
      for (const m of q.matchAll(/\bby ([\w\s,()]+)/g))
        for (const f of (m[1] ?? "").split(",")) if (!/\(/.test(f)) logFields.push(f.trim());
      continue;
    }
    for (const row of Array.isArray(w.properties.metrics) ? w.properties.metrics : []) {
      if (!Array.isArray(row)) continue;
      const options = row.find((x) => isRecord(x));
      const expression = isRecord(options) ? options.expression : undefined;
      if (typeof expression === "string") {
        const s = /SEARCH\('\{([^}]*)\}\s*MetricName="(\w+)"/.exec(expression);
        if (s) {
          const [namespace = "", ...names] = (s[1] ?? "").split(",");
          metrics.push({
            namespace,
            name: s[2] ?? "",
            dimensions: Object.fromEntries(names.map((n) => [n, "<search>"])),
            where,
          });
        }
        continue;
      }
      const plain = row.filter((x): x is string => typeof x === "string");
      const [namespace = "", name = "", ...pairs] = plain;
      const dimensions: Record<string, string> = {};
      for (let i = 0; i + 1 < pairs.length; i += 2) dimensions[pairs[i] ?? ""] = pairs[i + 1] ?? "";
      metrics.push({ namespace, name, dimensions, where });
    }
  }
  return { metrics, logFields };
};

/** What a reference to the consumer's namespace gets wrong, against what the code emits. */
export const emfProblems = (refs: readonly MetricRef[], emitted: Emitted): string[] =>
  refs
    .filter((r) => r.namespace === emitted.namespace)
    .flatMap((r) => {
      const out: string[] = [];
      if (!emitted.metrics.has(r.name)) out.push(`${r.where}: ${r.name} is not emitted`);
      if (JSON.stringify(r.dimensions) !== JSON.stringify(emitted.dimensions))
        out.push(
          `${r.where}: ${r.name} dimensions ${JSON.stringify(r.dimensions)} ≠ emitted ${JSON.stringify(emitted.dimensions)}`,
        );
      return out;
    });
