/**
 * `tsx cli/local/localStack.ts --stack dev --out FILE [--salt SALT] [--image-nocobase REPO] [--image-postgres REF] [--image-redis REF]`:
 * writes the stack file that `npm run up` deploys: the repo's `stacks/Pulumi.<stack>.yaml` with its
 * comments, plus the stack's encryption salt and, where no registry can be reached, the images
 * built locally. The repo's file stays as it is; edit that one, this copy is made anew each run.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { parseDocument } from "yaml";
import { stackFilePath } from "../../components/config/stackFile";
import { PROJECT } from "../../components/core/project";

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

function main(): void {
    const { values } = parseArgs({
        options: {
            stack: { type: "string", default: "dev" },
            out: { type: "string" },
            salt: { type: "string" },
            "image-nocobase": { type: "string" },
            "image-postgres": { type: "string" },
            "image-redis": { type: "string" },
        },
        strict: true,
    });
    if (!values.out) throw new Error("--out is required");
    const text = readFileSync(stackFilePath(values.stack), "utf8");
    const images = {
        nocobase: values["image-nocobase"],
        postgres: values["image-postgres"],
        redis: values["image-redis"],
    };
    writeFileSync(values.out, localStackText(text, { salt: values.salt, images }));
}

if (require.main === module) main();
