import {
    AuthError,
    NotFoundError,
    ProtocolError,
    SupervisorError,
    Timeouts,
    TransientError,
    ValidationError,
} from "./client";
import { sleep } from "../core/poll";

export interface HttpRequest {
    method: "GET" | "POST";
    /** Relative to the API base, e.g. `applications:list`. */
    path: string;
    query?: Record<string, string | number | undefined>;
    body?: unknown;
    headers?: Record<string, string>;
    /**
     * False for writes that must not run twice (create). Such a request is retried only when the
     * server certainly did not process it: connection refused, or NocoBase's gateway answering 503
     * before dispatch. Otherwise a lost answer surfaces as TransientError with outcomeUnknown.
     */
    idempotent: boolean;
}

export interface HttpContext {
    /** Base URL of the entry app, without `/api`. */
    baseUrl: string;
    timeouts: Timeouts;
}

// The gateway answers these while the main app boots or runs a command; the request was not handled.
const RETRY_CODES = ["APP_INITIALIZING", "APP_PREPARING", "APP_COMMANDING"];
// What a reverse proxy in front of the entry app answers while the upstream restarts.
const RETRY_PROXY_STATUSES = [502, 504];
// Failures where the request never reached the server, so even a create may be sent again.
const NOT_SENT_CODES = ["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH"];

const SNIPPET = 200;

export function apiUrl(baseUrl: string, path: string, query?: HttpRequest["query"]): string {
    const url = new URL(`${baseUrl.replace(/\/+$/, "")}/api/${path}`);
    for (const [k, v] of Object.entries(query ?? {})) {
        if (v !== undefined) url.searchParams.set(k, String(v));
    }
    return url.toString();
}

function snippet(text: string): string {
    const flat = text.replace(/\s+/g, " ").trim();
    return JSON.stringify(flat.length > SNIPPET ? `${flat.slice(0, SNIPPET)}…` : flat);
}

function parseJson(text: string): unknown {
    try {
        return JSON.parse(text);
    } catch {
        return undefined;
    }
}

/** NocoBase errors come as `{errors:[{message,code}]}` (actions) or `{error:{message,code}}` (gateway). */
function nocobaseError(body: unknown): { message?: string; code?: string } {
    const b = body as { errors?: { message?: string; code?: string }[]; error?: { message?: string; code?: string } };
    const e = b?.errors?.[0] ?? b?.error;
    return {
        message: typeof e?.message === "string" ? e.message : undefined,
        code: typeof e?.code === "string" ? e.code : undefined,
    };
}

function networkCode(err: unknown): string {
    const e = err as { name?: string; code?: string; message?: string; cause?: { code?: string; message?: string } };
    // AbortSignal.timeout() rejects with a TimeoutError; nothing else aborts these requests.
    if (e?.name === "TimeoutError") return "timeout";
    return e?.cause?.code ?? e?.code ?? e?.cause?.message ?? e?.message ?? String(err);
}

type Attempt =
    | { kind: "ok"; body: unknown }
    | { kind: "retry"; reason: string; httpStatus?: number; code?: string; sent: boolean };

async function attempt(ctx: HttpContext, req: HttpRequest, timeoutMs: number): Promise<Attempt> {
    const url = apiUrl(ctx.baseUrl, req.path, req.query);
    const what = `${req.method} /api/${req.path}`;
    let status: number;
    let text: string;
    try {
        const res = await fetch(url, {
            method: req.method,
            headers: {
                accept: "application/json",
                ...(req.body === undefined ? {} : { "content-type": "application/json" }),
                ...req.headers,
            },
            body: req.body === undefined ? undefined : JSON.stringify(req.body),
            signal: AbortSignal.timeout(timeoutMs),
        });
        status = res.status;
        text = await res.text();
    } catch (err) {
        const code = networkCode(err);
        const reason = code === "timeout" ? `no answer within ${timeoutMs} ms` : code;
        return { kind: "retry", reason, sent: !NOT_SENT_CODES.includes(code) };
    }

    const body = parseJson(text);
    const { message, code } = nocobaseError(body);
    if (status === 503 && code && RETRY_CODES.includes(code)) {
        return { kind: "retry", reason: `HTTP 503 ${code}`, httpStatus: status, code, sent: false };
    }
    if (RETRY_PROXY_STATUSES.includes(status)) {
        return { kind: "retry", reason: `HTTP ${status}`, httpStatus: status, sent: true };
    }
    if (status === 401 || status === 403) {
        throw new AuthError(
            `${what}: HTTP ${status}${code ? ` ${code}` : ""}: ${message ?? snippet(text)}`,
            status,
            code,
        );
    }
    if (status === 404) {
        throw new NotFoundError(`${what}: HTTP 404: ${message ?? snippet(text)}`, status, code);
    }
    if (status >= 400) {
        // NocoBase answers rule violations with 400 and some (e.g. an invalid uid) with 500.
        if (message !== undefined) {
            throw new ValidationError(`${what}: NocoBase refused (HTTP ${status}): "${message}"`, status, code);
        }
        throw new SupervisorError(`${what}: HTTP ${status}: ${snippet(text)}`, status, code);
    }
    if (body === undefined) {
        throw new ProtocolError(`${what}: HTTP ${status} with a body that is not JSON: ${snippet(text)}`, status);
    }
    return { kind: "ok", body };
}

/**
 * One JSON call, bounded by timeouts.callMs overall and timeouts.requestMs per exchange, retried
 * with exponential backoff and full jitter on connection errors and on NocoBase's "busy" 503s.
 */
export async function requestJson<T = unknown>(ctx: HttpContext, req: HttpRequest): Promise<T> {
    const { timeouts } = ctx;
    const started = Date.now();
    const deadline = started + timeouts.callMs;
    let last: Extract<Attempt, { kind: "retry" }> | undefined;
    let attempts = 0;
    while (attempts <= timeouts.retries) {
        const left = deadline - Date.now();
        if (left <= 0) break;
        attempts++;
        const result = await attempt(ctx, req, Math.min(timeouts.requestMs, left));
        if (result.kind === "ok") return result.body as T;
        last = result;
        if (result.sent && !req.idempotent) {
            throw new TransientError(
                `${req.method} /api/${req.path}: ${result.reason}; the request may or may not have been applied`,
                attempts,
                result.httpStatus,
                result.code,
                true,
            );
        }
        const backoff = Math.random() * Math.min(timeouts.backoffCapMs, timeouts.backoffBaseMs * 2 ** (attempts - 1));
        if (attempts > timeouts.retries || Date.now() + backoff >= deadline) break;
        await sleep(backoff);
    }
    throw new TransientError(
        `${req.method} /api/${req.path}: gave up after ${attempts} attempt(s) in ${Date.now() - started} ms; last: ${last?.reason ?? "call deadline reached"}`,
        attempts,
        last?.httpStatus,
        last?.code,
    );
}

/** GETs a plain-text endpoint once; the HTTP status, or undefined when nothing answered in time. */
export async function probe(ctx: HttpContext, path: string): Promise<number | undefined> {
    try {
        const res = await fetch(apiUrl(ctx.baseUrl, path), { signal: AbortSignal.timeout(ctx.timeouts.requestMs) });
        await res.arrayBuffer();
        return res.status;
    } catch {
        return undefined;
    }
}
