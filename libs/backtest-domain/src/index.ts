export * from './replay';
export * from './churn-metrics';
export * from './churn-training';
