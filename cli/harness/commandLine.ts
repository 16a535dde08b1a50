/**
 * The one argument parser of every command (`node:util` `parseArgs`), so that all of them read
 * `--flag=value` and `--flag value` alike, refuse a mistyped flag the same way, and print their
 * usage for `--help` and `-h`.
 */
import { accessSync, constants, statSync } from "node:fs";
import { type ParseArgsOptionsConfig, parseArgs } from "node:util";
import { didYouMean } from "../../components/config/messages";

/** Exit code 2: the command was called wrongly. */
export class UsageError extends Error {}
/** `--help` or `-h`: the usage is the answer, and the exit code 0. */
export class HelpRequested extends Error {}

const HELP = { help: { type: "boolean", short: "h" } } as const;

type Values<O extends ParseArgsOptionsConfig> = ReturnType<
    typeof parseArgs<{ options: O; strict: true; allowPositionals: false }>
>["values"];

export function parseCommandLine<O extends ParseArgsOptionsConfig>(args: string[], options: O): Values<O> {
    let values: Values<O> & { help?: boolean };
    try {
        ({ values } = parseArgs({ args, options: { ...options, ...HELP }, strict: true, allowPositionals: false }) as {
            values: Values<O> & { help?: boolean };
        });
    } catch (e) {
        throw new UsageError(usageProblem(e as Error & { code?: string }, Object.keys(options)));
    }
    if (values.help) throw new HelpRequested();
    return values;
}

/** Node's message, shorter, and with the flag most likely meant when one is mistyped. */
function usageProblem(e: Error & { code?: string }, flags: string[]): string {
    const quoted = /'([^']*)'/.exec(e.message)?.[1];
    if (
        quoted === undefined ||
        (e.code !== "ERR_PARSE_ARGS_UNKNOWN_OPTION" && e.code !== "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL")
    )
        return e.message.split(/\.\s/)[0];
    const meant = didYouMean(quoted.replace(/^-+/, ""), flags);
    return `unknown argument ${quoted}${meant ? ` (did you mean --${meant}?)` : ""}`;
}

/** A file given on the command line: one that is missing, a directory or unreadable is a usage error. */
export function readableFile(flag: string, file: string): string {
    let isFile: boolean;
    try {
        isFile = statSync(file).isFile();
        accessSync(file, constants.R_OK);
    } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        throw new UsageError(
            code === "ENOENT" ? `no such file: ${file}` : `--${flag} ${file}: cannot read (${code ?? String(e)})`,
        );
    }
    if (!isFile) throw new UsageError(`--${flag} ${file}: not a file`);
    return file;
}

/** A flag's value that must be a positive integer (a size, a count, a degree of parallelism). */
export function positiveInteger(flag: string, text: string): number {
    const n = Number(text);
    if (!Number.isInteger(n) || n < 1)
        throw new UsageError(`--${flag}: expected positive integers, got ${JSON.stringify(text)}`);
    return n;
}
