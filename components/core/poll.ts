/** The one way this program waits: every loop that waits on something outside is bounded in time. */

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export interface PollOptions {
    /** How long to keep trying, from the first attempt. */
    timeoutMs: number;
    intervalMs: number;
    /** The error thrown when time runs out: it should say what was last seen. */
    onTimeout: () => Error;
}

/**
 * Calls `attempt` until it returns something other than `undefined`, `intervalMs` apart, and gives
 * up with `onTimeout()` before a wait would pass the deadline. An attempt that throws ends the wait
 * with its error: a state that will never turn into the wanted one should say so at once.
 */
export async function poll<T>(attempt: () => Promise<T | undefined>, options: PollOptions): Promise<T> {
    const deadline = Date.now() + options.timeoutMs;
    for (;;) {
        const result = await attempt();
        if (result !== undefined) return result;
        if (Date.now() + options.intervalMs > deadline) throw options.onTimeout();
        await sleep(options.intervalMs);
    }
}
