/**
 * Reads the running stack's configuration from Pulumi and validates it. This is the program's one
 * edge with configuration: past it, only a valid `PlatformConfig` exists.
 */
import * as pulumi from "@pulumi/pulumi";
import { describesConfig, readStackFile, stackFilePath } from "./stackFile";
import type { PlatformConfig } from "./types";
import { formatIssues, stackConfigInput, validateStackConfig } from "./validate";

// Not in the SDK's typings, but exported by it: the CLI marks keys set with `--secret`.
const { isConfigSecret } = require("@pulumi/pulumi/runtime/config") as { isConfigSecret(key: string): boolean };

export function loadPlatformConfig(project: string = pulumi.getProject()): PlatformConfig {
    const all = pulumi.runtime.allConfig();
    const secretKeys = Object.keys(all).filter((key) => isConfigSecret(key));
    const stack = pulumi.getStack();
    const input = {
        ...stackConfigInput(all, secretKeys, project),
        stack,
        encryptedPaths: encryptedPathsOf(stack, all, secretKeys),
    };
    const result = validateStackConfig(input);
    if (!result.ok) {
        // RunError prints its message without a stack trace: the key paths are the whole story.
        const count = result.issues.length;
        throw new pulumi.RunError(
            `stack configuration has ${count} problem${count === 1 ? "" : "s"}:\n${formatIssues(result.issues)}`,
        );
    }
    return result.config;
}

/**
 * The engine tells a program only which top-level keys hold a secret. Which paths are encrypted,
 * only the stack file says: it is read when it is found where the CLI looks and holds exactly the
 * config the program was given. Otherwise (`--config-file`, an edited copy) every value under a
 * secret top-level key may be encrypted or not.
 */
function encryptedPathsOf(
    stack: string,
    all: Record<string, string>,
    secretKeys: string[],
): ReadonlySet<string> | undefined {
    try {
        const file = readStackFile(stackFilePath(stack));
        return describesConfig(file, all, secretKeys) ? new Set(file.encryptedPaths) : undefined;
    } catch {
        // No file there, or one that cannot be read: all that is lost is the per-path answer.
        return undefined;
    }
}
