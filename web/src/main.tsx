/**
 * Entry point of the web app.
 */
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { YunweiApp } from './app';
import './styles.css';

const root = document.getElementById('root');
if (!root) throw new Error('Missing #root element');
createRoot(root).render(
  <StrictMode>
    <YunweiApp />
  </StrictMode>,
);
