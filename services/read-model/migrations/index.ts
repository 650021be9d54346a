import { CreateItems1764400000000 } from "./1764400000000-create-items.js";

/** Every migration, oldest first. */
export const readModelMigrations = [CreateItems1764400000000];
