/**
 * `npm run mutate [-- <stryker options>]`: Stryker over every part of `stryker.config.mjs`'s PARTS in
 * turn, or over `MUTATE_SHARD`'s part alone. Each part reruns only what changed since its committed
 * measurement (`stryker-incremental/<part>.json`), which is scrubbed of what does not belong in a
 * commit as soon as the part ends, so that a run stopped later keeps the parts it finished. Prints
 * each part's time: the figures of a full and of an incremental run.
 */
import { spawnSync } from "node:child_process";
import { PROJECT_ROOT } from "../../components/core/project";
import { scrub } from "./scrub";
import { loadStrykerConfig } from "./strykerConfig";

async function main(): Promise<number> {
    const config = await loadStrykerConfig();
    const shard = process.env.MUTATE_SHARD;
    const parts = shard ? [config.shardPaths(shard)] : config.PARTS;
    const times: string[] = [];
    let failed = false;
    for (const part of parts) {
        const started = Date.now();
        // npm puts the project's bin folder on the PATH of its scripts.
        const run = spawnSync("stryker", ["run", ...process.argv.slice(2)], {
            cwd: PROJECT_ROOT,
            stdio: "inherit",
            env: { ...process.env, MUTATE_SHARD: part.join(",") },
        });
        scrub();
        const minutes = ((Date.now() - started) / 60_000).toFixed(1);
        times.push(`${config.partName(part)}: ${minutes} min`);
        if (run.status !== 0) {
            failed = true;
            console.error(`mutate: ${part.join(",")} failed (${run.error?.message ?? `exit ${run.status}`})`);
            break;
        }
    }
    console.log(`\nmutate: time per part\n${times.join("\n")}`);
    return failed ? 1 : 0;
}

void main().then((code) => (process.exitCode = code));
