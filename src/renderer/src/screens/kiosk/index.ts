// The kiosk's screens: small, and the first thing a kiosk shows, so they come with the app's start-up script; the
// registration and verification screens they show are loaded on demand (../onDemand.ts).
export { KioskScreen } from './KioskScreen';
export { KioskReturnBar } from './KioskReturnBar';
