import { describe, expect, it } from "vitest";
import { readIdentity } from "./build-identity.js";
import { parseXlCfg } from "./parser.js";
import { SettingsReader } from "./settings-reader.js";

const START = { file: "i.cfg", line: 1, column: 1 };

function identity(text: string): ReturnType<typeof readIdentity> {
  return readIdentity(new SettingsReader(parseXlCfg(text, "i.cfg").settings), START);
}

describe("readIdentity", () => {
  it("defaults the type to pv and reads name and uuid", () => {
    expect(identity('name = "a"\nuuid = "6F9619FF-8B86-D011-B42D-00C04FC964FF"')).toEqual({
      name: "a",
      uuid: "6f9619ff-8b86-d011-b42d-00c04fc964ff",
      type: "pv",
    });
  });

  it("maps the deprecated builder and refuses a contradiction with type", () => {
    expect(identity('name = "a"\nbuilder = "hvm"').type).toBe("hvm");
    expect(identity('name = "a"\nbuilder = "generic"').type).toBe("pv");
    expect(identity('name = "a"\nbuilder = "hvm"\ntype = "hvm"').type).toBe("hvm");
    expect(() => identity('name = "a"\ntype = "pvh"\nbuilder = "hvm"')).toThrow(
      'i.cfg:3:11: contradicting "builder" and "type" options: builder "hvm", type "pvh"',
    );
  });

  it("refuses bad names, types and uuids", () => {
    expect(() => identity('name = ""')).toThrow("i.cfg:1:8: domain name must not be empty");
    expect(() => identity('name = "a/b"')).toThrow(`i.cfg:1:8: domain name "a/b" must not contain '/'`);
    expect(() => identity('name = ".."')).toThrow('i.cfg:1:8: domain name ".." must not be ".."');
    expect(() => identity('name = "a\\nb"')).toThrow("must not contain control characters (found U+000A)");
    expect(() => identity('name = "w--incoming"')).toThrow('must not end in "--incoming"');
    expect(() => identity('name = "a"\ntype = "xen"')).toThrow('i.cfg:2:8: invalid domain type "xen"');
    expect(() => identity('name = "a"\nuuid = "1234"')).toThrow('i.cfg:2:8: failed to parse UUID "1234"');
  });
});
