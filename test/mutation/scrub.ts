/**
 * What `npm run mutate` does after each part: Stryker writes into its incremental file, beside the
 * results, the options it ran with and the directory it ran in. The files in `stryker-incremental/`
 * are committed, so only what an incremental run reads is kept: the results and the sources they
 * were measured on. A mutant's status reason (the message of the test that killed it) goes too: it
 * names the directory the run's sandbox was in.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { Files, baselineFiles } from "./score";

/** The keys of Stryker's report that its incremental run reads back. */
export const KEPT = ["schemaVersion", "thresholds", "files", "testFiles"] as const;

export function scrub(): void {
    for (const file of baselineFiles()) {
        const report = JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>;
        const kept = Object.fromEntries(KEPT.map((key) => [key, report[key]])) as { files: Files };
        for (const { mutants } of Object.values(kept.files)) for (const m of mutants) delete m.statusReason;
        writeFileSync(file, `${JSON.stringify(kept, null, 2)}\n`);
    }
}
