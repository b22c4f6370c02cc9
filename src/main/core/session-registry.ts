// Which session each caller holds. The token lives only here, in the core's memory; the renderer never sees it.

export class SessionRegistry {
  private readonly tokens = new Map<string, string>();

  tokenOf(callerId: string): string | undefined {
    return this.tokens.get(callerId);
  }

  set(callerId: string, token: string): void {
    this.tokens.set(callerId, token);
  }

  forget(callerId: string): string | undefined {
    const token = this.tokens.get(callerId);
    this.tokens.delete(callerId);
    return token;
  }
}
