import { useQuery } from "@tanstack/react-query";
import { useLiveInterval } from "@/shared/realtime/realtime-context";
import { getOptional } from "../client";
import type { Job } from "./types";

export async function getJobs(): Promise<Job[] | null> {
  const answer = await getOptional<Job[] | { jobs: Job[] }>("/api/v1/jobs");
  if (answer === null) return null;
  return Array.isArray(answer) ? answer : answer.jobs;
}

export function useJobs() {
  return useQuery({ queryKey: ["jobs"], queryFn: getJobs, refetchInterval: useLiveInterval() });
}
