import { describe, expect, it } from "vitest";
import { cloneTarget } from "@/lib/sandboxes/git-names";

// Which clone URLs a repository takes, and where an SSH one leads: the host and port whose keys are
// pinned. Anything git or ssh could read as an option, or a password inside the URL, is refused.

describe("cloneTarget", () => {
  it("reads http(s) and both SSH spellings", () => {
    expect(cloneTarget("https://github.com/acme/app.git")).toEqual({ transport: "http" });
    expect(cloneTarget("http://127.0.0.1:8080/demo.git")).toEqual({ transport: "http" });
    expect(cloneTarget("git@github.com:acme/app.git")).toEqual({ transport: "ssh", host: "github.com", port: 22 });
    expect(cloneTarget("gitlab.example:acme/app")).toEqual({ transport: "ssh", host: "gitlab.example", port: 22 });
    expect(cloneTarget("ssh://git@127.0.0.1:2222/demo.git")).toEqual({ transport: "ssh", host: "127.0.0.1", port: 2222 });
    expect(cloneTarget("ssh://git@host.example/acme/app.git")).toEqual({ transport: "ssh", host: "host.example", port: 22 });
  });

  it("refuses credentials in the URL, other transports, and options in disguise", () => {
    for (const url of [
      "https://user:secret@github.com/acme/app.git",
      "https://token@github.com/acme/app.git",
      "ssh://git:secret@host/app.git",
      "ext::sh -c touch% /tmp/pwned",
      "file:///etc",
      "git://host/app.git",
      "git@-oProxyCommand=touch:app.git",
      "ssh://-oProxyCommand=touch/app.git",
      "-oProxyCommand=x@host:app.git",
      "git@host:-upload-pack=touch",
      "ssh://host/-x",
      "ssh://host/",
      "git@host:app.git\n--upload-pack=x",
      "git@host name:app.git",
    ])
      expect(cloneTarget(url), url).toBeNull();
  });
});
