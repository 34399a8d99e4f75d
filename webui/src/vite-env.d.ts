// Stylesheets are bundled by Vite; TypeScript only needs to know that importing one is allowed.
declare module "*.css";
