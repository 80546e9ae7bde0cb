export * from './time';
export * from './account-state';
export * from './signals';
export * from './scorecard';
export * from './measures';
export * from './scores';
export * from './score-change';
export * from './account-scoring';
