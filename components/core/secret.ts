/**
 * A secret read from stack config. `reveal()` is explicit so that a secret never reaches a log
 * line, an error message or `JSON.stringify` by accident.
 */
export class Secret {
    /**
     * Stands in for a `secure:` value read from a stack file without its passphrase (the offline
     * plan): it is a secret all the same, but its content is unknown.
     */
    static readonly PLACEHOLDER = "[secret]";
    readonly #value: string;
    constructor(value: string) {
        this.#value = value;
    }
    reveal(): string {
        return this.#value;
    }
    toString(): string {
        return Secret.PLACEHOLDER;
    }
    toJSON(): string {
        return Secret.PLACEHOLDER;
    }
}
