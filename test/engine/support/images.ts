/**
 * The locally built images (`.ci/images.sh names`), as the stack file takes them: NocoBase as a
 * repository (the tag is platform.nocobaseVersion), PostgreSQL and Redis with their tags.
 */
import { execFileSync } from "node:child_process";
import * as path from "node:path";
import { ROOT } from "./engine";

function names(): Record<string, string> {
    const text = execFileSync(path.join(ROOT, ".ci/images.sh"), ["names"], { encoding: "utf8" });
    return Object.fromEntries(
        text.split("\n").flatMap((line) => (/^\w+=\S+$/.test(line) ? [line.split("=") as [string, string]] : [])),
    );
}

const built = names();
const nocobaseTag = /^(.*):([^:/]+)$/.exec(built.nocobase)!;
/** The NocoBase release of the local image (the newest images.sh builds). */
export const LOCAL_NOCOBASE_VERSION = nocobaseTag[2];
export const LOCAL_IMAGES = {
    nocobase: nocobaseTag[1],
    postgres: built.postgres,
    redis: built.redis,
};
