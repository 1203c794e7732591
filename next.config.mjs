/** @type {import('next').NextConfig} */
const nextConfig = {
  // pg and ws load optional native bindings at run time; bundling them breaks the build or the bindings.
  serverExternalPackages: ["pg", "ws"],
  poweredByHeader: false,
  // proxy.ts answers the trailing-slash redirect itself, with a request id like every answer.
  skipTrailingSlashRedirect: true,
  reactStrictMode: true,
  // A route's code is loaded when it is first asked for, not every route's at start: a start and a
  // sign-in took ~0.3 s less CPU (of ~4.5), and the test suite starts ~100 portals that each use a few routes.
  experimental: { preloadEntriesOnStart: false },
  typescript: { ignoreBuildErrors: false },
};

export default nextConfig;
