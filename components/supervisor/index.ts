import type { Supervisor } from "../core/modes";
import { DEFAULT_TIMEOUTS, SupervisorClient, Timeouts } from "./client";
import { Credentials, Session } from "./auth";
import { AdapterClient } from "./adapterBase";
import { ApplicationsAdapter } from "./applicationsAdapter";
import { AppSupervisorAdapter } from "./appSupervisorAdapter";

export * from "./client";
export { Credentials, Session, createRootApiKey, signIn } from "./auth";

export interface SupervisorClientOptions {
    adapter: Supervisor;
    /** The entry app's base URL, without `/api`. */
    baseUrl: string;
    auth: Credentials;
    timeouts?: Partial<Timeouts>;
}

export function createSupervisorClient(opts: SupervisorClientOptions): SupervisorClient {
    const session = new Session(
        { baseUrl: opts.baseUrl, timeouts: { ...DEFAULT_TIMEOUTS, ...opts.timeouts } },
        opts.auth,
    );
    switch (opts.adapter) {
        case "applications":
            return new AdapterClient(session, new ApplicationsAdapter(session));
        case "app-supervisor":
            return new AdapterClient(session, new AppSupervisorAdapter(session));
        default:
            throw new Error(`unknown supervisor adapter "${String(opts.adapter)}" (applications | app-supervisor)`);
    }
}
