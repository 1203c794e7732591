/** @type {import('next').NextConfig} */
const nextConfig = {
  // pg and ws load optional native bindings at run time; bundling them breaks the build or the bindings.
  serverExternalPackages: ["pg", "ws"],
  poweredByHeader: false,
  // proxy.ts answers the trailing-slash redirect itself, with a request id like every answer.
  skipTrailingSlashRedirect: true,
  reactStrictMode: true,
  typescript: { ignoreBuildErrors: false },
};

export default nextConfig;
