import { useQuery } from "@tanstack/react-query";
import { api, unwrap } from "../client";

export interface Strategy {
  id: number;
  name: string;
  sleeve_id: number;
  universe: string[];
  scheme: string;
  params: Record<string, unknown>;
  schedule: string | null;
  order: Record<string, unknown>;
  created_at: string;
}

export const getStrategies = () => unwrap<Strategy[]>(api.GET("/api/v1/strategies"));

export function useStrategies() {
  return useQuery({ queryKey: ["strategies"], queryFn: getStrategies });
}
