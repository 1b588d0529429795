using System.CommandLine;
using Segmentation.Cli.Commands;

var root = new RootCommand("segml — semantic segmentation with hypercolumns, on the CPU.")
{
    BenchCommand.Create(),
};
return await root.Parse(args).InvokeAsync();
