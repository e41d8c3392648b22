// The user this process acts for: $USER as the login set it, else the password database's entry for the process.
import { userInfo } from 'node:os';

export const currentUser = (env: Readonly<Record<string, string | undefined>>): string =>
  env.USER || userInfo().username;
