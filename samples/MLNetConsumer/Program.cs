using Microsoft.ML;
using Microsoft.ML.Data;

// Usage: MLNetConsumer MODEL.zip OUTPUT-FOLDER IMAGE...
// Writes OUTPUT-FOLDER/<image name>.labels: one byte per pixel, row-major, the predicted class index (key − 1).
if (args.Length < 3)
{
    Console.Error.WriteLine("usage: MLNetConsumer MODEL.zip OUTPUT-FOLDER IMAGE...");
    return 2;
}

// OnnxTransformer keeps a copy of the graph in the context's temporary folder and does not delete it: give it a folder of ours.
var temporary = Directory.CreateTempSubdirectory("mlnet-consumer-");
var mlContext = new MLContext { TempFilePath = temporary.FullName };
var model = mlContext.Model.Load(args[0], out var inputSchema);
try
{
    Directory.CreateDirectory(args[1]);
    var rows = args.Skip(2).Select(path => new ImageRow { ImagePath = Path.GetFullPath(path) }).ToList();
    var predictions = model.Transform(mlContext.Data.LoadFromEnumerable(rows));
    int index = 0;
    foreach (var keys in predictions.GetColumn<VBuffer<uint>>("PredictedLabel"))
    {
        var labels = keys.DenseValues().Select(key => (byte)(key - 1)).ToArray();
        File.WriteAllBytes(Path.Combine(args[1], Path.GetFileNameWithoutExtension(rows[index++].ImagePath) + ".labels"), labels);
    }
    Console.WriteLine($"Predicted {index} images with {args[0]} (input columns: {string.Join(", ", inputSchema.Select(c => c.Name))}).");
    return 0;
}
finally
{
    (model as IDisposable)?.Dispose();
    temporary.Delete(recursive: true);
}

internal sealed class ImageRow
{
    public string ImagePath { get; set; } = "";
}
