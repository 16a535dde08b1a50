/**
 * After a deploy: is the platform what its stack promises? The entry app answers its health check,
 * every app is in its desired state, and every tenant's database role reaches its own data and
 * nothing else.
 *
 *   npm run verify -- --stack prod                 reads `pulumi stack output --json --show-secrets`
 *   npm run verify -- --file outputs.json          the same JSON, saved
 *   options: --pg-host HOST --pg-port PORT         where this machine reaches the PostgreSQL server
 *            --timeout SECONDS                     bound of each connection, query and request (10)
 *
 * Exit code: 0 every check passed, 1 a check failed, 2 usage error or unreadable outputs.
 */
import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { promisify } from "node:util";
import { HelpRequested, UsageError, parseCommandLine, readableFile } from "./harness/commandLine";
import {
    OutputsError,
    PlatformOutputs,
    VerifyOptions,
    formatReport,
    parseOutputs,
    verifyPlatform,
} from "./verify/checks";
import { PROJECT_ROOT } from "../components/core/project";

const USAGE =
    "usage: npm run verify -- (--stack NAME | --file PATH) [--pg-host HOST] [--pg-port PORT] [--timeout SECONDS]";

interface Invocation {
    source: { stack: string } | { file: string };
    options: VerifyOptions;
}

export function parseInvocation(args: string[]): Invocation {
    const values = parseCommandLine(args, {
        stack: { type: "string" },
        file: { type: "string" },
        "pg-host": { type: "string" },
        "pg-port": { type: "string" },
        timeout: { type: "string" },
    });
    if ((values.stack === undefined) === (values.file === undefined))
        throw new UsageError("give exactly one of --stack and --file");
    const number = (flag: string, text: string | undefined, max: number) => {
        if (text === undefined) return undefined;
        const n = Number(text);
        if (!Number.isInteger(n) || n < 1 || n > max)
            throw new UsageError(`--${flag}: expected an integer from 1 to ${max}, got ${JSON.stringify(text)}`);
        return n;
    };
    const timeout = number("timeout", values.timeout, 600);
    return {
        source: values.stack !== undefined ? { stack: values.stack } : { file: readableFile("file", values.file!) },
        options: {
            pgHost: values["pg-host"],
            pgPort: number("pg-port", values["pg-port"], 65535),
            timeoutMs: timeout === undefined ? undefined : timeout * 1000,
        },
    };
}

async function readOutputs(source: Invocation["source"]): Promise<PlatformOutputs> {
    let text: string;
    if ("file" in source) {
        try {
            text = await readFile(source.file, "utf8");
        } catch (e) {
            throw new UsageError(`${source.file}: cannot read (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
        }
    } else {
        try {
            const run = await promisify(execFile)(
                "pulumi",
                ["stack", "output", "--json", "--show-secrets", "--stack", source.stack],
                {
                    cwd: PROJECT_ROOT,
                    timeout: 120_000,
                    maxBuffer: 256 * 1024 * 1024,
                },
            );
            text = run.stdout;
        } catch (e) {
            const err = e as Error & { stderr?: string };
            throw new UsageError(
                `pulumi stack output --stack ${source.stack} failed: ${(err.stderr || err.message).trim()}`,
            );
        }
    }
    let raw: unknown;
    try {
        raw = JSON.parse(text);
    } catch (e) {
        throw new UsageError(`outputs are not JSON: ${(e as Error).message}`);
    }
    return parseOutputs(raw);
}

/** Runs verify as the command line does; returns the exit code. */
export async function main(
    args: string[],
    out: (text: string) => void = (t) => process.stdout.write(t),
    err: (text: string) => void = (t) => process.stderr.write(t),
): Promise<number> {
    try {
        const { source, options } = parseInvocation(args);
        const report = await verifyPlatform(await readOutputs(source), options);
        out(`${formatReport(report)}\n`);
        return report.failed === 0 ? 0 : 1;
    } catch (e) {
        if (e instanceof HelpRequested) {
            out(`${USAGE}\n`);
            return 0;
        }
        if (e instanceof UsageError || e instanceof OutputsError) {
            err(`verify: ${e.message}\n${USAGE}\n`);
            return 2;
        }
        throw e;
    }
}

if (require.main === module) {
    main(process.argv.slice(2)).then(
        (code) => (process.exitCode = code),
        (e) => {
            // Verification did not complete, so nothing was proven: that is a failure, not a usage error.
            process.stderr.write(`verify: ${(e as Error).stack ?? String(e)}\n`);
            process.exitCode = 1;
        },
    );
}
