/** The hidden command that makes perfloop serve as a resident spawner (spawner-server.ts); kept apart so src/main.ts can check for it without loading the protocol. */
export const SPAWNER_COMMAND = "__spawner";
