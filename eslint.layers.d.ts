// Types for eslint.layers.js, which the layering test imports.
import type { Linter } from 'eslint';

export declare const layerRules: Linter.Config[];
