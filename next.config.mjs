/** @type {import('next').NextConfig} */
const nextConfig = {
  // pg loads optional native bindings at run time; bundling it breaks the build.
  serverExternalPackages: ["pg"],
  poweredByHeader: false,
  reactStrictMode: true,
  typescript: { ignoreBuildErrors: false },
};

export default nextConfig;
