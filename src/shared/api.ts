// window.api, built from the contract over whatever carries a request: Electron IPC in the app,
// a WebSocket in the browser preview. Each channel 'ns.method' becomes api.ns.method(input).
import { CHANNEL_NAMES, type ChannelInput, type ChannelName, type ChannelOutput } from './contract';
import type { Result } from './errors';

export type Invoke = (channel: ChannelName, input: unknown) => Promise<Result<unknown>>;

type Namespace<C extends string> = C extends `${infer NS}.${string}` ? NS : never;
type Method<C extends string, NS extends string> = C extends `${NS}.${infer M}` ? M : never;

export type Api = {
  [NS in Namespace<ChannelName>]: {
    [M in Method<ChannelName, NS>]: `${NS}.${M}` extends infer C extends ChannelName
      ? (input: ChannelInput<C>) => Promise<Result<ChannelOutput<C>>>
      : never;
  };
};

export function createApi(invoke: Invoke): Api {
  const api: Record<string, Record<string, (input: unknown) => Promise<Result<unknown>>>> = {};
  for (const name of CHANNEL_NAMES) {
    const [ns, method] = name.split('.') as [string, string];
    api[ns] ??= {};
    api[ns][method] = (input: unknown) => invoke(name, input ?? {});
  }
  return api as unknown as Api;
}
