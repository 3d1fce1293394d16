/** A bad disk or vif spec string. The builder turns it into an XlCfgError at the spec's position. */
export class DeviceSpecError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DeviceSpecError";
  }
}
