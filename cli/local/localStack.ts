/**
 * `tsx cli/local/localStack.ts --stack dev --out FILE [--salt SALT] [--image-nocobase REPO] [--image-postgres REF] [--image-redis REF]`:
 * writes the stack file that `npm run up` deploys: the repo's `stacks/Pulumi.<stack>.yaml` with its
 * comments, plus the stack's encryption salt and, where no registry can be reached, the images
 * built locally. The repo's file stays as it is; edit that one, this copy is made anew each run.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { parseDocument } from "yaml";
import { stackFilePath } from "../../components/config/stackFile";
import { PROJECT } from "../../components/core/project";
import { HelpRequested, UsageError, parseCommandLine } from "../harness/commandLine";

export interface LocalOverrides {
    salt?: string;
    images: { nocobase?: string; postgres?: string; redis?: string };
}

/** The stack file's text with the overrides set; keys a stack does not use stay absent. */
export function localStackText(text: string, overrides: LocalOverrides): string {
    const doc = parseDocument(text);
    if (overrides.salt) doc.set("encryptionsalt", overrides.salt);
    const key = (k: string) => ["config", `${PROJECT}:${k}`];
    const { nocobase, postgres, redis } = overrides.images;
    if (nocobase) doc.setIn([...key("platform"), "image"], nocobase);
    // Only containers the stack runs take an image; an external server has none.
    if (postgres && doc.hasIn([...key("postgres"), "runtime"])) doc.setIn([...key("postgres"), "image"], postgres);
    if (redis && doc.hasIn([...key("redis"), "runtime"])) doc.setIn([...key("redis"), "image"], redis);
    return doc.toString();
}

const USAGE =
    "usage: tsx cli/local/localStack.ts --out FILE [--stack NAME] [--salt SALT] [--image-nocobase REPO] [--image-postgres REF] [--image-redis REF]";

const OPTIONS = {
    stack: { type: "string", default: "dev" },
    out: { type: "string" },
    salt: { type: "string" },
    "image-nocobase": { type: "string" },
    "image-postgres": { type: "string" },
    "image-redis": { type: "string" },
} as const;

/** The exit code: 0, or 2 for a usage error. */
function main(args: string[]): number {
    let values;
    try {
        values = parseCommandLine(args, OPTIONS);
        if (!values.out) throw new UsageError("--out is required");
    } catch (e) {
        if (e instanceof HelpRequested) {
            console.log(USAGE);
            return 0;
        }
        if (!(e instanceof UsageError)) throw e;
        console.error(`${e.message}\n${USAGE}`);
        return 2;
    }
    const text = readFileSync(stackFilePath(values.stack), "utf8");
    const images = {
        nocobase: values["image-nocobase"],
        postgres: values["image-postgres"],
        redis: values["image-redis"],
    };
    writeFileSync(values.out, localStackText(text, { salt: values.salt, images }));
    return 0;
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
