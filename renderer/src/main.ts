// Renderer entry: mounts the Svelte app. Styles are global design tokens (light and dark themes).
import { mount } from 'svelte';
import App from './App.svelte';
import './theme.css';

const target = document.getElementById('app');
if (!target) throw new Error('index.html has no #app element');
mount(App, { target });
