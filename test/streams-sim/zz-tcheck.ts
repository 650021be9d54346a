import type { TrimmedDataPolicy } from "../../services/streams/lifecycle/trimmed-data-policy.js";
import type { TrimmedStreamPolicy } from "../../services/streams/processing/trimmed-stream.js";
declare const p: TrimmedStreamPolicy;
export const x: TrimmedDataPolicy = p;
