namespace Segmentation.ML.Tests.Notebooks;

/// <summary>A notebook cell that did not run: the message names the notebook, the cell and what went wrong.</summary>
internal sealed class NotebookCellException(string message) : Exception(message);
