/**
 * `tsx bench/engine/report.ts FILE...`: the table of `npm run bench -- --engine --out FILE` runs,
 * one after the other (for the scale documentation).
 */
import { readFileSync } from "node:fs";
import { SizeResult, table } from "./main";

table(process.argv.slice(2).flatMap((file) => JSON.parse(readFileSync(file, "utf8")) as SizeResult[]));
