import { config } from '../config';
import { resolveClientAddress } from './client-address';
import { PEER_ADDRESS_HEADER } from './peer-address';

/** The one way the web server finds a request's client address (audit log, throttling): TRUST_PROXY decides. */
export function clientAddressOf(headers: { get(name: string): string | null }): string | null {
  return resolveClientAddress({ peer: headers.get(PEER_ADDRESS_HEADER), forwardedFor: headers.get('x-forwarded-for') }, config().TRUST_PROXY);
}
