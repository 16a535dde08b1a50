import { AuthError, ProtocolError } from "./client";
import { HttpContext, HttpRequest, requestJson } from "./http";

/** An API key (preferred: no sign-in round trip, no 24 h expiry) or the root account. */
export type Credentials = { apiKey: string } | { account: string; password: string };

/** Adds the bearer token to every call; signs in at most once per client unless the token dies. */
export class Session {
    private token?: Promise<string>;

    constructor(
        readonly http: HttpContext,
        private readonly credentials: Credentials,
    ) {}

    async request<T>(req: HttpRequest): Promise<T> {
        if ("apiKey" in this.credentials) return this.send<T>(req, this.credentials.apiKey);
        const cached = this.token !== undefined;
        const token = await this.signedIn();
        try {
            return await this.send<T>(req, token);
        } catch (err) {
            // A cached sign-in token expires after 24 h (or when the secret rotates): sign in once more.
            if (!(cached && err instanceof AuthError && err.httpStatus === 401)) throw err;
            this.token = undefined;
            return this.send<T>(req, await this.signedIn());
        }
    }

    private send<T>(req: HttpRequest, token: string): Promise<T> {
        return requestJson<T>(this.http, { ...req, headers: { ...req.headers, authorization: `Bearer ${token}` } });
    }

    private signedIn(): Promise<string> {
        if (this.token === undefined) {
            const { account, password } = this.credentials as { account: string; password: string };
            this.token = signIn(this.http, account, password);
            this.token.catch(() => (this.token = undefined));
        }
        return this.token;
    }
}

export async function signIn(http: HttpContext, account: string, password: string): Promise<string> {
    const res = await requestJson<{ data?: { token?: unknown } }>(http, {
        method: "POST",
        path: "auth:signIn",
        headers: { "x-authenticator": "basic" },
        body: { account, password },
        idempotent: true,
    });
    const token = res.data?.token;
    if (typeof token !== "string" || token === "") {
        throw new ProtocolError("POST /api/auth:signIn: answer carries no data.token");
    }
    return token;
}

/** Creates an API key with the root role that never expires; returns the key (a JWT). */
export async function createRootApiKey(session: Session, name: string): Promise<string> {
    const res = await session.request<{ data?: { token?: unknown } }>({
        method: "POST",
        path: "apiKeys:create",
        body: { name, role: { name: "root" }, expiresIn: "never" },
        // Each call mints a new key; a lost answer must not mint a second one silently.
        idempotent: false,
    });
    const token = res.data?.token;
    if (typeof token !== "string" || token === "") {
        throw new ProtocolError("POST /api/apiKeys:create: answer carries no data.token");
    }
    return token;
}
