import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

/**
 * Vite configuration of the web app.
 * - Dev server proxies `/api` to the API on port 8080.
 * - The build splits the big libraries into their own chunks so that the
 *   application code changes without invalidating them; ECharts is only
 *   reached through a dynamic import and therefore loads on demand.
 */
export default defineConfig({
  plugins: [react()],
  server: {
    proxy: {
      '/api': { target: 'http://127.0.0.1:8080', changeOrigin: false },
    },
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    chunkSizeWarningLimit: 1200,
    rolldownOptions: {
      output: {
        codeSplitting: {
          groups: [
            { name: 'echarts', test: /node_modules[\\/](echarts|zrender)[\\/]/, priority: 30 },
            { name: 'react', test: /node_modules[\\/](react|react-dom|react-router|react-router-dom|scheduler)[\\/]/, priority: 20 },
            // Only the antd modules that several chunks share; page-specific widgets (the audit page's date picker) stay with their page.
            { name: 'antd', test: /node_modules[\\/](antd|@ant-design|@rc-component|rc-[a-z-]+|@emotion|dayjs|@babel)[\\/]/, priority: 10, minShareCount: 2 },
          ],
        },
      },
    },
  },
});
