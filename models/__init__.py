"""Build recipes, one module per model: where its weights come from and how they become ONNX."""
